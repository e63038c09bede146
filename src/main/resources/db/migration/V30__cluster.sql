-- Instances that agree: the state several gateways on one database share (issue 13).

-- One row per gateway instance, its heartbeat in epoch milliseconds (the instances' clocks, NTP-close):
-- live instances share per-instance rate limits; a dead one's budget holds are released.
CREATE TABLE switchboard_instance (
  id VARCHAR(128) PRIMARY KEY,
  started_ms BIGINT NOT NULL,
  heartbeat_ms BIGINT NOT NULL);

-- A version per kind of shared setting, bumped after each write: every instance polls this table and reloads what moved.
CREATE TABLE change_log (
  topic VARCHAR(32) PRIMARY KEY,
  version BIGINT NOT NULL);

-- Each agent's spend this UTC day and month and what requests in flight hold: reserved and settled by
-- conditional updates, so the cap holds across instances.
CREATE TABLE budget_account (
  agent VARCHAR(256) PRIMARY KEY,
  day_start DATE NOT NULL,
  day_spent_usd DOUBLE PRECISION NOT NULL,
  day_alerted INT NOT NULL,
  month_start DATE NOT NULL,
  month_spent_usd DOUBLE PRECISION NOT NULL,
  month_alerted INT NOT NULL,
  reserved_usd DOUBLE PRECISION NOT NULL);

-- One row per reservation in flight, so the holds of an instance that died are given back.
CREATE TABLE budget_hold (
  id VARCHAR(64) PRIMARY KEY,
  agent VARCHAR(256) NOT NULL,
  amount_usd DOUBLE PRECISION NOT NULL,
  instance_id VARCHAR(128) NOT NULL);
CREATE INDEX budget_hold_instance ON budget_hold (instance_id);
