Feature: Delivery flow and the four keys
  Once a value stream is in execution, its delivery is measured from what its tools
  already record: the work items of its tracker (features, defects, risks and debt)
  from start to finish, with the time they spent active, waiting or blocked; the
  deployments of its pipeline with the commits each one shipped; and the incidents in
  production. Flow metrics tell how work flows; the four DORA keys tell how fast and how
  safely changes reach production. Times are distributions: the median, the 85th and
  95th percentiles (what a team can promise from) and the mean. With an even count the
  median falls between two measured times; by default it is interpolated between them,
  as most tools do (PostgreSQL's percentile_cont; Hyndman and Fan's definition 7, 1996),
  so six changes of 1 to 5 and 24 hours have a median of 3.5 hours. A team may ask for
  the nearest rank instead, a time that actually occurred and never an average of two
  (percentile_disc). Every answer names its method.
  A deployment is a failed change when it failed, or when an incident links it: the
  pipeline may name the incident a deployment caused, the incident tracker may name the
  deployment that caused an incident, and either link counts. A link to an incident or a
  deployment that was never reported counts for nothing. Time to restore service runs
  from an incident's opening to its resolution.

  Background:
    Given a new value stream

  Scenario: The four keys of a week of deployments
    Given the pipeline reports these deployments:
      | deployment | deployed         | commits                          | incident |
      | D1         | Mon 3 Mar 10:00  | Mon 3 Mar 08:00, Mon 3 Mar 09:00 |          |
      | D2         | Tue 4 Mar 10:00  | Mon 3 Mar 10:00                  | INC-1    |
      | D3         | Wed 5 Mar 10:00  | Wed 5 Mar 06:00                  |          |
      | D4         | Thu 6 Mar 10:00  | Thu 6 Mar 07:00                  | INC-2    |
      | D5         | Fri 7 Mar 10:00  | Fri 7 Mar 05:00                  |          |
    And the incident tracker reports these incidents:
      | incident | opened           | resolved         |
      | INC-1    | Tue 4 Mar 12:00  | Tue 4 Mar 14:00  |
      | INC-2    | Thu 6 Mar 11:00  | Fri 7 Mar 11:00  |
    When the team asks for the delivery metrics of the week of Mon 3 Mar
    Then the deployment frequency is 5 deployments, 0.71 a day
    And the change failure rate is 40%
    And the lead time for changes is 3.5 hours
    And the time to restore service is 13 hours
    And the answer says its percentiles are interpolated

  Scenario: Percentiles by nearest rank are times that occurred
    Given the pipeline reports these deployments:
      | deployment | deployed         | commits                          | incident |
      | D1         | Mon 3 Mar 10:00  | Mon 3 Mar 08:00, Mon 3 Mar 09:00 |          |
      | D2         | Tue 4 Mar 10:00  | Mon 3 Mar 10:00                  | INC-1    |
      | D3         | Wed 5 Mar 10:00  | Wed 5 Mar 06:00                  |          |
      | D4         | Thu 6 Mar 10:00  | Thu 6 Mar 07:00                  | INC-2    |
      | D5         | Fri 7 Mar 10:00  | Fri 7 Mar 05:00                  |          |
    And the incident tracker reports these incidents:
      | incident | opened           | resolved         |
      | INC-1    | Tue 4 Mar 12:00  | Tue 4 Mar 14:00  |
      | INC-2    | Thu 6 Mar 11:00  | Fri 7 Mar 11:00  |
    When the team asks for the delivery metrics of the week of Mon 3 Mar by nearest rank
    Then the lead time for changes is 3 hours
    And the lead time for changes is 24 hours at the 95th percentile
    And the time to restore service is 2 hours
    And the answer says its percentiles are nearest ranks

  Scenario: Incidents that name the deployment that caused them make it a failed change
    Given the pipeline reports these deployments:
      | deployment | deployed         | commits          |
      | D1         | Mon 3 Mar 10:00  | Mon 3 Mar 08:00  |
      | D2         | Tue 4 Mar 10:00  | Tue 4 Mar 09:00  |
      | D3         | Wed 5 Mar 10:00  | Wed 5 Mar 09:00  |
      | D4         | Thu 6 Mar 10:00  | Thu 6 Mar 09:00  |
    And the incident tracker reports these incidents:
      | incident | opened           | resolved         | deployment |
      | INC-1    | Tue 4 Mar 12:00  | Tue 4 Mar 14:00  | D2         |
      | INC-2    | Thu 6 Mar 11:00  | Thu 6 Mar 14:00  | D9         |
    When the team asks for the delivery metrics of the week of Mon 3 Mar
    Then the change failure rate is 25%
    And the time to restore service is 2.5 hours

  Scenario: A deployment naming an incident that was never reported is no failed change
    Given the pipeline reports these deployments:
      | deployment | deployed         | commits          | incident |
      | D1         | Mon 3 Mar 10:00  | Mon 3 Mar 08:00  | INC-7    |
      | D2         | Tue 4 Mar 10:00  | Tue 4 Mar 09:00  |          |
    When the team asks for the delivery metrics of the week of Mon 3 Mar
    Then the change failure rate is 0%

  Scenario: A failed deployment is a failed change and ships no change
    Given the pipeline reports these deployments:
      | deployment | deployed         | commits          | outcome   |
      | D1         | Mon 3 Mar 10:00  | Mon 3 Mar 08:00  | succeeded |
      | D2         | Tue 4 Mar 10:00  | Tue 4 Mar 09:00  | failed    |
    When the team asks for the delivery metrics of the week of Mon 3 Mar
    Then the change failure rate is 50%
    And the lead time for changes is 2 hours

  Scenario: How work flowed through a week
    Given the tracker reports these work items:
      | item | type    | started          | finished         | active hours |
      | F-1  | feature | Mon 3 Mar 00:00  | Mon 3 Mar 10:00  | 5            |
      | F-2  | feature | Mon 3 Mar 02:00  | Tue 4 Mar 08:00  | 6            |
      | B-1  | defect  | Mon 3 Mar 10:00  | Tue 4 Mar 06:00  | 1            |
      | T-1  | debt    | Mon 3 Mar 20:00  | Wed 5 Mar 12:00  | 8            |
      | F-3  | feature | Tue 4 Mar 06:00  |                  | 2            |
      | R-1  | risk    | Sat 1 Mar 18:00  | Tue 11 Mar 08:00 | 1            |
    When the team asks for the delivery metrics of the week of Mon 3 Mar
    Then the flow velocity is 4 items
    And the flow time is 25 hours
    And the flow time is 35.5 hours at the 85th percentile and 38.5 hours at the 95th
    And the finished items were active 5.5 hours at the median
    And the finished items waited 21.5 hours at the median and 28.4 hours at the 85th percentile
    And the flow efficiency is 20%
    And the work in progress at the end of the week is 2 items
    And the flow distribution is 50% features, 25% defects, 0% risks and 25% debt

  Scenario: Work in progress that has aged past what its kind usually takes
    An item's age runs from its start to now; flow time is known only once it finishes.
    Each item in progress is set beside the 85th percentile flow time of the items of its
    type finished in the last 90 days (Vacanti's aging work in progress): an item older
    than that is already slower than 85% of its kind.
    Given the tracker reports these work items:
      | item | type    | started          | finished         | active hours |
      | F-1  | feature | Mon 3 Mar 00:00  | Mon 3 Mar 10:00  | 5            |
      | F-2  | feature | Mon 3 Mar 02:00  | Tue 4 Mar 08:00  | 6            |
      | F-3  | feature | Tue 4 Mar 06:00  |                  | 2            |
      | R-1  | risk    | Sat 1 Mar 18:00  | Tue 11 Mar 08:00 | 1            |
    When the team looks at the age of its work in progress on Fri 7 Mar 12:00
    Then 2 items are in progress, 1 of them older than 85% of the finished items of its type
    And F-3 is 78 hours old, past the 27 hours that 85% of finished features took
    And the oldest is R-1, 138 hours old, with no finished risk to compare with

  Scenario: How the work in progress aged day by day
    Asked for it, each day of a report gives the aging of the work in progress at its
    end: every item then in progress beside the flow time of the items of its type
    finished in the 90 days before, as the age of the work in progress would have said
    that night.
    Given the tracker reports these work items:
      | item | type    | started          | finished         | active hours |
      | F-1  | feature | Mon 3 Mar 00:00  | Mon 3 Mar 10:00  | 5            |
      | F-2  | feature | Mon 3 Mar 02:00  | Tue 4 Mar 08:00  | 6            |
      | F-3  | feature | Tue 4 Mar 06:00  |                  | 2            |
      | R-1  | risk    | Sat 1 Mar 18:00  | Tue 11 Mar 08:00 | 1            |
    When the team asks for the delivery metrics day by day from Mon 3 Mar to Sat 8 Mar, with the aging of the work in progress
    Then at the end of Mon 3 Mar 2 items are in progress, 1 of them older than 85% of the finished items of its type
    And at the end of Tue 4 Mar 2 items are in progress, 0 of them older than 85% of the finished items of its type
    And at the end of Fri 7 Mar 2 items are in progress, 1 of them older than 85% of the finished items of its type
    And at the end of Fri 7 Mar the work in progress is 120 hours old at the median and 147 hours at the 95th percentile

  Scenario: When will the remaining work be done
    A forecast replays the future many times, each day's throughput drawn at random from
    the days of the team's recent history, and reads the answer at a confidence. It is
    seeded, so the same question gets the same answer.
    Given the team finished 3 items on every one of the 30 days before Mon 10 Mar
    When the team asks when 30 more items will be done, starting Mon 10 Mar
    Then in 85% of the simulated futures they are done by Wed 19 Mar
    And by Sun 16 Mar at least 21 items are done in 85% of them
    And asking again gives the same forecast

  Scenario: Reporting the same deployments again records nothing new
    Given the pipeline reports these deployments:
      | deployment | deployed         | commits          |
      | D1         | Mon 3 Mar 10:00  | Mon 3 Mar 08:00  |
      | D2         | Tue 4 Mar 10:00  | Tue 4 Mar 09:00  |
    When the pipeline reports the same deployments again
    Then 0 are created, 0 updated and 2 left unchanged
    And the change failure rate of the week of Mon 3 Mar is still 0%

  Scenario: A deployment cannot ship a commit made after it
    When the pipeline reports these deployments:
      | deployment | deployed         | commits                          |
      | D1         | Mon 3 Mar 10:00  | Mon 3 Mar 08:00, Mon 3 Mar 11:00 |
    Then the report is refused, naming items[0].commit_times[1]

  Scenario: A viewer may look at the metrics but not report deliveries
    When the viewer reports a deployment
    Then the report is refused because a viewer may only look
    And the viewer can read the delivery metrics of the week of Mon 3 Mar
