"""Streamlit helpers shared by pages."""
