Feature: Flow-metric targets and their progress
  Every flow-metric target has a baseline, a target, a direction (lower or higher is
  better) and a timeline from its start to its due date. Its progress is computed from
  the measurements, never typed in: the latest measurement closes some share of the way
  from the baseline to the target, and that share is judged against the share of the
  timeline gone by. A target within 10 points of that plan is on track, within 30 at
  risk, further behind off track; a target reached is achieved, whenever that happens.
  A measurement worse than the baseline is never on track: a target moving the wrong
  way is at risk at best, however early in its timeline.
  A target must be an improvement on its baseline, and the maps can set one: the
  baseline from the current-state map, the target from the chosen desired-state map.
  Each metric is counted in units of its own kind (times in seconds, minutes, hours,
  days or weeks; shares in percent or as a ratio; deployments and finished items per
  day or per week; work in progress in items; handoffs in handoffs), and a target reads
  in the unit its owner chose, whatever unit it was stored in.

  Background:
    Given a new value stream

  Scenario Outline: A lead-time target <status>, <percent>% of the way with <gone> of its 100 days gone
    Given a lead-time target of 10 days from a baseline of 20 days, over 100 days of which <gone> have gone by
    And 30 days ago the lead time was 18 days
    And yesterday the lead time was <latest> days
    Then the target is <percent>% of the way, with about <gone>% of its time gone
    And the target is <status>

    Examples:
      | gone | latest | percent | status    |
      | 50   | 15     | 50      | on track  |
      | 70   | 15     | 50      | at risk   |
      | 90   | 15     | 50      | off track |
      | 50   | 10     | 100     | achieved  |
      | 90   | 8      | 120     | achieved  |

  Scenario: A target moving the wrong way is at risk, however early in its timeline
    Given a lead-time target of 45 days from a baseline of 58 days, over 180 days of which 2 have gone by
    And yesterday the lead time was 58.5 days
    Then the target is -3.85% of the way, with about 1% of its time gone
    And the target is at risk, because "worse than the baseline 58"

  Scenario: A target moving the wrong way and far behind its plan is off track
    Given a lead-time target of 10 days from a baseline of 20 days, over 100 days of which 50 have gone by
    And yesterday the lead time was 21 days
    Then the target is off track, because "worse than the baseline 20"

  Scenario: A target past its due date and not reached is off track, however close
    Given a lead-time target of 10 days from a baseline of 20 days, over 100 days of which 100 have gone by
    And yesterday the lead time was 11 days
    Then the target is 90% of the way, with about 100% of its time gone
    And the target is off track, because "past due and not reached"

  Scenario: A target reached after its due date is still achieved
    Given a lead-time target of 10 days from a baseline of 20 days, over 100 days of which 100 have gone by
    And yesterday the lead time was 10 days
    Then the target is achieved, because "latest 10 reached the target 10"

  Scenario: A target where higher is better
    Given a deployment-frequency target of 10 a week from a baseline of 2 a week, over 100 days of which 50 have gone by
    And yesterday the deployment frequency was 6 a week
    Then the target is 50% of the way, with about 50% of its time gone
    And the target is on track

  Scenario: A target without measurements has no data yet
    Given a lead-time target of 10 days from a baseline of 20 days, over 100 days of which 50 have gone by
    Then the target is without data, because "no measurements yet"

  Scenario: A target taken from the maps
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
    When the team sets a lead-time target from the maps, due in 180 days
    Then the target starts from a baseline of 16 hours and aims at 8 hours, lower being better
    And the target says where its numbers come from: "baseline from the current-state map, target from the chosen desired-state map"

  Scenario: A target reads in the unit its owner chose
    Given a lead-time target of 10 days from a baseline of 20 days, over 100 days of which 50 have gone by
    And yesterday the lead time was 15 days
    When the owner reads the target in hours
    Then the target starts from a baseline of 480 hours and aims at 240 hours, lower being better
    And the target is 50% of the way, with about 50% of its time gone

  Scenario: A unit the metric does not know is refused, with the units it knows
    When the team sets a lead-time target of 10 hrs from a baseline of 20 hrs
    Then the target is refused, offering the units seconds, minutes, hours, days and weeks instead

  Scenario Outline: A target that is no improvement on its baseline is refused
    When the team sets a <metric> target of <target> from a baseline of <baseline>
    Then the target is refused because "<why>"

    Examples:
      | metric               | baseline  | target   | why                                                  |
      | lead-time            | 20 days   | 25 days  | a lower-is-better target must be below the baseline  |
      | deployment-frequency | 10 a week | 5 a week | a higher-is-better target must be above the baseline |
      | lead-time            | 20 days   | 20 days  | there is no gap to close                             |
