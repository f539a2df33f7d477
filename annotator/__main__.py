from annotator.cli import main

main(prog_name="annotator")
