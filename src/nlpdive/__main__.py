from nlpdive.cli.main import main

raise SystemExit(main())
