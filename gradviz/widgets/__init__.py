"""Jupyter views of the recorder's data. Plain-Python view models (layout, what a view shows) live here
beside the ipywidgets/plotly views that draw them; views hold no engine logic."""
