"""The timeline as a typed model (`model`), its one converter to and from NemoVideo's draft
JSON (`convert`), and the one rule that fits music to the timeline's length (`fit`)."""
