Feature: Measuring a value stream map
  A value stream map measures the flow of work step by step. Its lead time is the time
  from the start of the first step to the end of the last: every step's process time
  plus the time work waits before it. Where the flow branches, parallel work does not
  add up: the longest path decides when value arrives. Process time counts the time
  people work on the item along that path, and the activity ratio (flow efficiency) is
  process time over lead time. Rolled percent complete and accurate (%C&A) multiplies
  every step's %C&A, because each step's rework degrades the whole flow. The step that
  takes the largest share of the lead time is the longest queue (the map's "bottleneck"
  in earlier versions; the step that cannot keep up with demand is the constraint, see
  capacity_and_rework.feature).

  Background:
    Given a new value stream

  Scenario: Lead time, process time and activity ratio of a chain of steps
    Given its current-state map has these steps:
      | step    | role          | process time | wait time |
      | Request | Product owner | 1 h          | 4 h       |
      | Build   | Developer     | 2 h          | 8 h       |
      | Release | Operations    | 1 h          | 0 h       |
    Then the map's lead time is 16 hours
    And the map's process time is 4 hours
    And the map's activity ratio is 25%
    And the map's bottleneck is "Build", with 62.5% of the lead time

  Scenario: Where the flow branches, the longest path decides the lead time
    Given its current-state map has these steps:
      | step       | process time | wait time |
      | Plan       | 1 h          | 1 h       |
      | Code       | 4 h          | 4 h       |
      | Write docs | 1 h          | 1 h       |
      | Ship       | 1 h          | 0 h       |
    And work flows between them like this:
      | from       | to         |
      | Plan       | Code       |
      | Plan       | Write docs |
      | Code       | Ship       |
      | Write docs | Ship       |
    Then the map's lead time is 11 hours
    And the map's process time is 6 hours
    And the longest path runs through "Plan", "Code" and "Ship"
    And the map's bottleneck is "Code", with 72.7% of the lead time

  Scenario: Rolled percent complete and accurate multiplies every step's %C&A
    Given its current-state map has these steps:
      | step    | process time | wait time | %C&A |
      | Request | 1 h          | 4 h       | 90   |
      | Build   | 2 h          | 8 h       | 80   |
      | Test    | 1 h          | 0 h       | 50   |
    Then the map's rolled %C&A is 36%

  Scenario: Handoffs, and the handoffs that cross teams
    Given its current-state map has these steps:
      | step    | team       | process time | wait time |
      | Request | Business   | 1 h          | 4 h       |
      | Build   | Delivery   | 2 h          | 8 h       |
      | Test    | Delivery   | 1 h          | 2 h       |
      | Release | Operations | 1 h          | 0 h       |
    And work flows between them like this:
      | from    | to      | across teams |
      | Request | Build   | yes          |
      | Build   | Test    | no           |
      | Test    | Release | yes          |
    Then the map counts 3 handoffs, 2 of them across teams

  Scenario: Durations as a tool exports them and as people say them
    Given its current-state map counts a working day as 7.5 hours, and has these steps:
      | step    | process time | wait time      |
      | Review  | PT1H30M      | 2 working days |
      | Approve | 30 min       | P1D            |
    Then "Review" has a process time of 1.5 hours and a wait time of 15 hours
    And "Approve" has a process time of 0.5 hours and a wait time of 24 hours
    And the map's lead time is 41 hours

  Scenario: The desired state compared with the current one
    Given its current-state map has these steps:
      | step    | process time | wait time |
      | Request | 1 h          | 4 h       |
      | Build   | 2 h          | 8 h       |
      | Release | 1 h          | 0 h       |
    And its chosen desired-state map has these steps:
      | step    | process time | wait time |
      | Request | 1 h          | 1 h       |
      | Build   | 2 h          | 2 h       |
      | Release | 1 h          | 1 h       |
    Then the desired state compares with the current one like this:
      | metric         | current | desired | change     | change in % |
      | lead time      | 16 h    | 8 h     | -8 h       | -50%        |
      | process time   | 4 h     | 4 h     | 0 h        | 0%          |
      | activity ratio | 25%     | 50%     | +25 points | +100%       |

  Scenario: A plain handoff back to an earlier step would make a loop, and is refused
    Given its current-state map has these steps:
      | step    | process time | wait time |
      | Request | 1 h          | 4 h       |
      | Build   | 2 h          | 8 h       |
      | Release | 1 h          | 0 h       |
    And work flows between them like this:
      | from    | to      |
      | Request | Build   |
      | Build   | Release |
    When the team adds a handoff from "Release" back to "Request"
    Then the handoff is refused because it would make the flow go round in a loop, and work sent back is a rework loop
    And the map still counts 2 handoffs
