"""Entry point: `streamlit run dashboard.py`. Runs the frame (sign-in first; it builds the demo on a first start with no
data) and lands on the overview, or a member on "Huyện của tôi"; every page under pages/ runs the same frame first."""
import streamlit as st

from app.frame import PAGE, frame

f = frame("Tổng quan")
# a standing-committee member lands on their districts; everyone else on the province's overview
st.switch_page(PAGE["Huyện của tôi"] if f.account.role == "member" else PAGE["Tổng quan"])
