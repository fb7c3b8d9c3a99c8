Feature: An organization's own playbook
  The playbook (phases, timeboxes and gate criteria) is data, with the practice's table
  as its default. An admin can tune it to the organization: ask for more, add criteria
  of its own, drop a phase nobody is in. A playbook that does not hold together is
  refused with the reason, and only an admin may change it.

  Scenario: An organization asks for two risks in the risk log before leaving pre-planning
    Given an admin has tuned the playbook so that pre-planning needs at least 2 risks in the risk log
    And a value stream in pre-planning with everything its gate asks for
    Then the gate is blocked by "Draft risk log with at least 2 risks", with a reason mentioning "risk log holds 1 risk; at least 2 needed"
    When the team records a risk in the risk log
    Then the criterion "Draft risk log with at least 2 risks" passes, with a reason mentioning "risk log holds 2 risks"
    And the gate passes, leading on to planning

  Scenario: An organization asks for lessons learned before a new cycle starts
    Given an admin has added the criterion "Lessons learned written up" to the execution gate, asking for finished lessons learned
    And a value stream in execution
    Then the gate is blocked by "Lessons learned written up", with a reason mentioning "lessons learned is missing; it must be done"
    When the editor starts the next cycle
    Then the move is refused because the gate is blocked by "Lessons learned written up"
    When the team records finished lessons learned
    And the editor starts the next cycle
    Then the value stream is in the current-state phase, cycle 2

  Scenario: An organization asks for a deliverable of its own: a security review
    Given an admin has added the criterion "Security review passed" to the transformation-plan gate, asking for a finished security review
    And a value stream in the transformation-plan phase with everything its gate asks for
    Then the gate is blocked by "Security review passed", with a reason mentioning "security review is missing; it must be done"
    When the team records a draft security review
    Then the gate is blocked by "Security review passed", with a reason mentioning "security review is draft; it must be done"
    When the team records a finished security review
    Then the criterion "Security review passed" passes, with a reason mentioning "security review is done"
    And the gate passes, leading on to execution
    And the security review is recorded in the transformation-plan phase, cycle 1

  Scenario: A lighter playbook without a transformation-plan phase
    Given an admin has replaced the playbook with one without the transformation-plan phase
    And a value stream in the desired-state phase
    Then the gate's next phase is execution
    And the gate does not ask for "A VSM owner (ownership and accountability plan)"

  Scenario: A playbook that drops a phase a value stream is in is refused
    Given a value stream in the desired-state phase
    When an admin replaces the playbook with one without the desired-state phase
    Then the playbook is refused because value streams are still in the desired-state phase
    And the playbook in force is still the default

  Scenario: An editor may not change the playbook
    When the editor tunes the playbook so that pre-planning needs at least 2 risks in the risk log
    Then the playbook is refused because only an admin may change it
    And the playbook in force is still the default

  Scenario: A playbook tuned by someone else meanwhile is not overwritten
    Given an admin has read the playbook
    And another admin has since tuned the playbook so that pre-planning needs at least 2 risks in the risk log
    When the first admin replaces it with one without the transformation-plan phase, as of what they read
    Then the playbook is refused because it changed since it was read
    And the playbook in force still asks pre-planning for "Draft risk log with at least 2 risks"

  Scenario Outline: A playbook where <flaw> is refused
    When an admin replaces the playbook with one where <flaw>
    Then the playbook is refused as invalid, with a reason mentioning "<why>"
    And the playbook in force is still the default

    Examples:
      | flaw                                                  | why                                    |
      | a criterion asks for a check nobody knows             | unknown check                          |
      | a deliverable must reach a status that does not exist | should be 'missing', 'draft' or 'done' |
      | the risk log asks for no risk at all                  | greater than or equal to 1             |
      | a gate lists the same criterion twice                 | duplicate criteria                     |
      | pre-planning has a timebox of zero days               | greater than 0                         |
      | two phases share a name                               | duplicate phases                       |
      | cycles restart at a phase it does not have            | is not a phase of the playbook         |
      | cycles restart at the last phase                      | must be a phase before the last one    |
      | there is a single phase                               | at least 2 items                       |
