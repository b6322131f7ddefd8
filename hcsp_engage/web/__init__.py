"""The only modules that import Streamlit: shared widgets, the resident forms and the map picker,
staff sign-in, the cached loaders, and the staff pages' sections and saves (hotspots, interventions,
staff) (tests/test_layout.py holds the line)."""
