Feature: Leaving the desired-state workshop
  The desired-state workshop maps the improved, streamlined flow of value. Before the
  transformation plan is made, a chosen desired-state map shows a lead time below the
  current one, and the sponsor has signed off on it: alignment and buy-in. The team may
  draw several desired-state drafts; the one it chooses is the one that counts.

  Scenario: Leaving the desired-state workshop waits for a sponsor's sign-off
    Given a value stream in the desired-state phase with everything its gate asks for except a sponsor's sign-off
    Then the gate is blocked by "Sponsor sign-off (alignment and buy-in)", with a reason mentioning "no sponsor sign-off this cycle"
    And the editor cannot move it on to the transformation-plan phase: the gate is blocked by "Sponsor sign-off (alignment and buy-in)"
    When the team records a sponsor's sign-off
    Then the criterion "Sponsor sign-off (alignment and buy-in)" passes, with a reason mentioning "1 sponsor sign-off this cycle"
    And the gate passes, leading on to the transformation-plan phase

  Scenario: Leaving the desired-state workshop waits for a chosen desired-state map that is faster
    Given a value stream in the desired-state phase with everything its gate asks for except a chosen desired-state map that is faster
    Then the gate is blocked by "A chosen desired-state map whose lead time is below the current one", with a reason mentioning "no desired-state map is marked chosen"
    And the editor cannot move it on to the transformation-plan phase: the gate is blocked by "A chosen desired-state map whose lead time is below the current one"
    When the team records a chosen desired-state map that is faster
    Then the criterion "A chosen desired-state map whose lead time is below the current one" passes, with a reason mentioning "is below the current"
    And the gate passes, leading on to the transformation-plan phase

  Scenario: A desired state no faster than the current one does not meet the criterion
    Given a value stream in the desired-state phase with everything its gate asks for except a chosen desired-state map that is faster
    When the team records a chosen desired-state map that is no faster
    Then the gate is blocked by "A chosen desired-state map whose lead time is below the current one", with a reason mentioning "is not below the current"

  Scenario: A faster draft nobody has chosen does not count
    Given a value stream in the desired-state phase with everything its gate asks for except a chosen desired-state map that is faster
    When the team records a faster desired-state map nobody has chosen
    Then the gate is blocked by "A chosen desired-state map whose lead time is below the current one", with a reason mentioning "no desired-state map is marked chosen"

  Scenario: With everything its gate asks for, the desired state is left for the transformation plan
    Given a value stream in the desired-state phase with everything its gate asks for
    Then the gate passes, leading on to the transformation-plan phase
    When the editor moves it on to the transformation-plan phase
    Then the value stream is in the transformation-plan phase
    And its history records the move from the desired-state phase to the transformation-plan phase through a passing gate

  Scenario: A sign-off given during the current-state workshop does not count for the desired state
    Given a value stream in the current-state phase
    And the team has recorded a sponsor's sign-off
    When an admin forces it on to the desired-state phase, justified by "The workshop ran over; mapping continues"
    Then the gate is blocked by "Sponsor sign-off (alignment and buy-in)", with a reason mentioning "no sponsor sign-off this cycle"

  Scenario: Only a sponsor of the value stream can sign off
    Given a value stream in the desired-state phase
    When someone who is not one of its sponsors signs off
    Then the sign-off is refused because the signer is not a sponsor of the value stream
    And the gate is blocked by "Sponsor sign-off (alignment and buy-in)", with a reason mentioning "no sponsor sign-off this cycle"
