// Runs before the page is drawn: marks that scripts run, so that CSS can hide what they enhance.
// A file rather than an inline script, so that the Content-Security-Policy allows no inline code.
document.documentElement.classList.add("js");
