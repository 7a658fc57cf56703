"""Pages of linking households (党员联户), one module per part: the register and coverage
(``linking``), plans (``plans``), visits (``visits``), contact cards (``cards``)."""
