"""The incident pages. Thin: each view reads through ``page_data``/``selectors`` or calls one service.

Modules: ``filing`` (the form and its live preview), ``lists`` (list, queue, war room), ``detail`` (the
incident page and its live part), ``actions`` (the table of actions) and ``action_views`` (their POSTs),
``matrix_cells`` (the matrix page's count badges, through ``matrix.hooks``).
"""
