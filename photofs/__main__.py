from photofs.cli import main

raise SystemExit(main())
