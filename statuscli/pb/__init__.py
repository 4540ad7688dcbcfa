"""statuscli.pb"""
