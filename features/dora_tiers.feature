Feature: DORA performance tiers
  The four keys of a period are set beside the software delivery performance clusters of
  a named, dated DORA report, so a leader sees at a glance whether a team delivers like
  the elite, high, medium or low performers of the industry. By default the benchmark is
  the Accelerate State of DevOps Report 2023 (DORA, Google Cloud, 5 October 2023, chapter
  1, "How do you compare?"): elite teams deploy on demand, several times a day, with lead
  times under a day, fail 5% of their changes and recover within an hour; high teams
  deploy between daily and weekly, within a week, fail 10% and recover within a day;
  medium teams deploy between weekly and monthly, within a month, fail 15% and recover
  within a week; the rest are low. Read as thresholds: at least one deployment a day,
  one a week, one a month (31 days); lead time at most a day, a week, 31 days; change
  failure rate at most 5%, 10%, 15%; time to restore at most an hour, a day, a week.
  A period's value takes the best tier whose threshold it meets: a value right on a
  threshold takes the better tier, and a time to restore between a week and a month, a
  gap in the report's table, is low. The median lead time and the median time to restore
  of the period are compared; a key without a value in the period has no tier. An
  organization may hold itself to thresholds of its own, named and cited like a report,
  and go back to the report's whenever it likes; every report names the benchmark used.

  Background:
    Given a new value stream

  Scenario: A team deploying several times a day with lead time under a day is elite
    Given the team deployed 2 times a day in the week of Mon 3 Mar, each change 6 hours after its commit
    When the team asks for the delivery metrics of the week of Mon 3 Mar
    Then its deployment frequency is elite
    And its lead time for changes is elite
    And its change failure rate is elite
    And its time to restore has no tier, as no incident was resolved
    And the tiers are those of the Accelerate State of DevOps Report 2023, published 2023-10-05

  Scenario: A weekly deployment of changes ten days old is high and medium
    Given the team deployed 1 time in the week of Mon 3 Mar, each change 240 hours after its commit
    When the team asks for the delivery metrics of the week of Mon 3 Mar
    Then its deployment frequency is high
    And its lead time for changes is medium

  Scenario: Failing one change in five is low
    Given the team deployed 5 times in the week of Mon 3 Mar, each change 2 hours after its commit
    And 1 of those deployments failed
    When the team asks for the delivery metrics of the week of Mon 3 Mar
    Then its change failure rate is low

  Scenario Outline: Time to restore against the 2023 report
    Given an incident opened on Mon 3 Mar 08:00 was resolved <hours> hours later
    When the team asks for the delivery metrics of the week the incident was resolved
    Then its time to restore is <tier>

    Examples:
      | hours | tier   |
      | 0.5   | elite  |
      | 1     | elite  |
      | 5     | high   |
      | 72    | medium |
      | 168   | medium |
      | 240   | low    |

  Scenario: An organization holds its teams to thresholds of its own
    Given the admin sets the organization's DORA benchmark "Acme delivery standard 2026" to:
      | key                   | unit     | elite | high | medium |
      | deployment frequency  | per day  | 2     | 0.5  | 0.14   |
      | lead time for changes | hours    | 4     | 24   | 168    |
      | change failure rate   | %        | 2     | 5    | 10     |
      | time to restore       | hours    | 0.5   | 4    | 24     |
    And the team deployed 2 times a day in the week of Mon 3 Mar, each change 6 hours after its commit
    When the team asks for the delivery metrics of the week of Mon 3 Mar
    Then its deployment frequency is elite
    And its lead time for changes is high
    And the tiers are those of Acme delivery standard 2026, published 2026-01-15

  Scenario: Going back to the report's thresholds
    Given the admin sets the organization's DORA benchmark "Acme delivery standard 2026" to:
      | key                   | unit     | elite | high | medium |
      | deployment frequency  | per day  | 2     | 0.5  | 0.14   |
      | lead time for changes | hours    | 4     | 24   | 168    |
      | change failure rate   | %        | 2     | 5    | 10     |
      | time to restore       | hours    | 0.5   | 4    | 24     |
    And the team deployed 2 times a day in the week of Mon 3 Mar, each change 6 hours after its commit
    When the admin goes back to the default benchmark
    And the team asks for the delivery metrics of the week of Mon 3 Mar
    Then its lead time for changes is elite
    And the tiers are those of the Accelerate State of DevOps Report 2023, published 2023-10-05

  Scenario: Thresholds run from the best tier to the worst
    When the admin sets the organization's DORA benchmark "Backwards" to:
      | key                   | unit     | elite | high | medium |
      | deployment frequency  | per day  | 1     | 0.14 | 0.03   |
      | lead time for changes | hours    | 168   | 24   | 720    |
      | change failure rate   | %        | 5     | 10   | 15     |
      | time to restore       | hours    | 1     | 24   | 168    |
    Then the benchmark is refused, naming lead_time_for_changes

  Scenario: Only an admin sets the thresholds
    When the editor sets the organization's DORA benchmark "Our own" to:
      | key                   | unit     | elite | high | medium |
      | deployment frequency  | per day  | 1     | 0.14 | 0.03   |
      | lead time for changes | hours    | 24    | 168  | 720    |
      | change failure rate   | %        | 5     | 10   | 15     |
      | time to restore       | hours    | 1     | 24   | 168    |
    Then the benchmark is refused because only an admin may set it
