"""statuscli.core"""
