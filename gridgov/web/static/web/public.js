// gridgov, residents' pages: "use my location" fills the hidden lat/lng of the report form, and
// "copy" copies the tracking link. Both are enhancements: the form works without this file
// (the village select is enough), and the link can be selected and copied by hand.
(function () {
  "use strict";

  function setStatus(el, text) {
    if (el) el.textContent = text;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("#use-location");
    if (!button) return;
    var form = button.closest("form");
    var status = document.getElementById("location-status");
    if (!navigator.geolocation) {
      setStatus(status, button.dataset.failed);
      return;
    }
    button.disabled = true;
    setStatus(status, button.dataset.locating);
    navigator.geolocation.getCurrentPosition(
      function (position) {
        form.querySelector("input[name=lat]").value = position.coords.latitude.toFixed(6);
        form.querySelector("input[name=lng]").value = position.coords.longitude.toFixed(6);
        var meters = Math.round(position.coords.accuracy || 0);
        setStatus(status, button.dataset.located.replace("%s", String(meters)));
        button.disabled = false;
      },
      function () {
        setStatus(status, button.dataset.failed);
        button.disabled = false;
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var field = document.querySelector(button.dataset.copy);
    if (!field) return;
    field.select();
    var done = function () {
      button.textContent = button.dataset.copied;
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, function () {
        document.execCommand("copy");
        done();
      });
    } else {
      document.execCommand("copy");
      done();
    }
  });
})();
