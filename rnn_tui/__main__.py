from rnn_tui.cli import main

main()
