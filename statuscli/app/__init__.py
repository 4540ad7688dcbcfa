"""statuscli.app"""
