"""statuscli.net"""
