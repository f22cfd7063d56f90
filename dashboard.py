"""Entry point: `streamlit run dashboard.py`. Runs the frame (which builds the demo on a first start with no data)
and lands on the overview; every page under pages/ runs the same frame first."""
import streamlit as st

from app.frame import PAGE, frame

frame("Tổng quan")
st.switch_page(PAGE["Tổng quan"])
