-- one row per district whose standing-committee member (the assignments file's Tài khoản column) is $login, in this
-- snapshot: a member's scope (app.signin.scope_of); the file is the one source of truth, updated nightly
SELECT district_code FROM marts.assignments WHERE lower(member_login) = lower($login) ORDER BY district_code
