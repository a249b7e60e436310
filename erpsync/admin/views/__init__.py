"""The pages of the admin panel (Flask-Admin views), one module an area.

A module that defines ``make_views(db)`` — returning new view instances for one app — and
``MENU_ORDER`` (an int; lower comes first in the menu) is added to the panel by
``erpsync.admin.panel``. ``dashboard`` is the panel's home; ``base`` holds what the pages share.
"""
