"""The engagement workflow as pure rules: playbook, gate criteria, transitions, timeboxes."""
