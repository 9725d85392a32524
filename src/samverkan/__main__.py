from samverkan.cli import main

main(prog_name="samverkan")
