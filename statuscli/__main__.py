from statuscli.cli.main import main

main()
