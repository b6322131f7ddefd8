"""PLACEHOLDER page: being built."""

import streamlit as st

st.title("Coming soon")
