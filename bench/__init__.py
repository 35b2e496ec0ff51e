"""`make bench`: the verification benchmark (see __main__.py) and its bulk token loader."""
