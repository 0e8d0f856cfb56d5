"""The instruction parser: plain English and Chinese to edit plans."""
