"""The control center's overview: one read across every domain, shaped as tiles and ordered per role.

:mod:`trustops.overview.tiles` gathers each tile from its domain (health, incidents by brand priority,
what customers say, the impact heatmap, guard windows, debt and trust, breach clocks);
:mod:`trustops.overview.views` says which tiles each role sees first; :mod:`trustops.overview.charts`
turns the series into plotly figures with a text alternative.
"""
