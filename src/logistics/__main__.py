from logistics.cli import main

main()
