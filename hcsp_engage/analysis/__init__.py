"""Analysis of stored records: aggregation for maps, hotspots and Board figures (no Streamlit)."""
