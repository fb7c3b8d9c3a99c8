Feature: Timeboxes
  Each phase has a timebox: about a month of pre-planning, one to two months of
  planning, one to two days for each workshop. A value stream that stays in its phase
  longer than the timebox is flagged overdue, and a PMO can ask the portfolio for the
  overdue ones. Execution is ongoing and has no timebox.

  Scenario: A value stream within its timebox is not overdue
    Given a value stream "Order to cash" in pre-planning
    Then the portfolio shows "Order to cash" in pre-planning with a timebox of 30 days, not overdue
    And asked for the overdue value streams, the portfolio lists none

  Scenario: A value stream that outstays its phase's timebox is overdue
    Given a value stream "Order to cash" in pre-planning
    And a value stream "Hire to retire" in planning
    When 31 days have passed
    Then the portfolio flags "Order to cash" as overdue, 31 days into a timebox of 30
    And the portfolio shows "Hire to retire" in planning with a timebox of 60 days, not overdue
    And asked for the overdue value streams, the portfolio lists only "Order to cash"
    And asked for the value streams on time, the portfolio lists only "Hire to retire"

  Scenario: Up to the end of its timebox a value stream is on time
    Given a value stream "Order to cash" in pre-planning
    When 29 days have passed
    Then the portfolio shows "Order to cash" in pre-planning with a timebox of 30 days, not overdue
    And asked for the overdue value streams, the portfolio lists none

  Scenario: An organization's own timebox counts
    Given an admin has given pre-planning a timebox of 10 days
    And a value stream "Order to cash" in pre-planning
    When 11 days have passed
    Then the portfolio flags "Order to cash" as overdue, 11 days into a timebox of 10
    And asked for the overdue value streams, the portfolio lists only "Order to cash"

  Scenario: Moving on to the next phase restarts the clock
    Given a value stream "Order to cash" in pre-planning with everything its gate asks for
    And 31 days have passed
    When the editor moves it on to planning
    Then the portfolio shows "Order to cash" in planning with a timebox of 60 days, not overdue
    And asked for the overdue value streams, the portfolio lists none

  Scenario: Execution has no timebox, so it is never overdue
    Given a value stream "Order to cash" in execution
    Then the portfolio shows "Order to cash" in execution without a timebox, not overdue
    And asked for the value streams on time, the portfolio lists only "Order to cash"
