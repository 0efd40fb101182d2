"""The Streamlit dashboard: thin pages over store queries, the catalog and its responses."""
