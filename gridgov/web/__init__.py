"""The web shell: base templates, navigation, home page, sign-in/out, the grid node page and
search (they combine apps), static files and template tags. The apps' own pages live in the apps
(``views.py``, ``urls.py``, ``templates/<app>/``) and are mounted from ``urls.py``."""
