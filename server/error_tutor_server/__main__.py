from error_tutor_server.cli import main

raise SystemExit(main())
