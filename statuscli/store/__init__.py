"""statuscli.store"""
