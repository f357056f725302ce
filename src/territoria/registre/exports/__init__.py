"""Exports of the register: CSV (the anchor's columns, or all fields by schema id), XLSX,
JSON, GeoJSON and the data model as a Table Schema document.

Every export takes its projects from the register's query service (`discovery.service`, the
list page's query and order, visibility inside), and its values through `visibility.project_values`: an anonymous reader's
file holds no restricted column at all.
"""
