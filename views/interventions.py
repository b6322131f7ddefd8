"""Interventions register (/interventions, officers): list, add and edit Safer Streets work.

Every save appends a row; the latest row per intervention is the current one and the rows are its
history.
"""

from hcsp_engage import schema
from hcsp_engage.web import interventions, map_cache, staff

user, tables = staff.open_page(
    "Interventions register", {"officer"}, "The register cannot be loaded just now"
)
register = map_cache.current_interventions(tables)
interventions.register_table(register)
chosen = interventions.entry_form(register, user)
interventions.history(tables[schema.INTERVENTIONS], chosen)
