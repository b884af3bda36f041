"""Every figure a person reads or downloads: pages, CSV, JSON and API schemas.

Other apps' selectors and release steps provide typed rows (dataclasses); this app turns them
into page view models, CSV files and JSON (the dataclasses serve as django-ninja schemas), so a
page, a download and the API always show the same numbers. :mod:`walkthetalk.reports.render`
is the Django-free toolkit underneath (the one CSV writer, the one chart helper, the opinion
map), which the apps' workers may use too.
"""
