"""The classroom web app: model and session, drawing, the page and serving.

Modules: model, session (runs); layout, palette, netdraw (drawing); page, controls, lesson
and the .vue views (the page); serve and benchmark (serving).
"""
