"""The journal read against the course, as data and HTML, with no widgets: what a page shows and
what a learner takes away.

- :mod:`.profile`: the profile (every domain and stage), its picture and table, what moved;
- :mod:`.runs`: where a learner is in a scenario, and its status;
- :mod:`.reading`: the reading of a completed self-assessment;
- :mod:`.summaries`: everything written and every scenario played, for the closing page;
- :mod:`.about`: the model as a picture, and the credits;
- :mod:`.export`: the journal as one self-contained web page;
- :mod:`.templates`: the Jinja environment of every printable page, and the shared templates.
"""
