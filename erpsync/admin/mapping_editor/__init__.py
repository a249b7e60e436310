"""The admin panel's mapping editor, apart from its pages: opening a mapping file (a marketplace's, or a
shop's merged over its marketplace's), turning the tables a person filled in into the smallest edits of
the file (``edits``), the rows of each section's table (``sections``), and placing the check's problems
on the rows they are about (``placing``).

Reading and writing go through ``erpsync.mapping`` (``preview_mapping``, ``save_mapping``): the editor
never writes YAML itself, so a save from the panel keeps comments and changes only the edited lines.
"""
