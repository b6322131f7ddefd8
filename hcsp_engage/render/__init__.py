"""Figures from data frames: folium maps and their compact layers, Altair charts, the Board's
HTML report and the map files the app serves. No Streamlit here."""
