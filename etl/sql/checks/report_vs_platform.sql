-- severity: warning
-- title: Số liệu báo cáo của huyện lệch quá 10% so với nền tảng tiêm chủng
-- Latest report date of each commune; the threshold is the one in marts.reconciliation.
SELECT unit_code, report_date AS ref_date,
       'Nhóm ' || cohort || ', mũi ' || dose || ': báo cáo ' || vn_int(reported) || ', nền tảng ' || vn_int(platform)
       || coalesce(' (' || replace(ratio_pct::VARCHAR, '.', ',') || '%)', '') AS detail
FROM marts.reconciliation
WHERE unit_level = 'commune' AND flagged
  AND report_date = (SELECT max(report_date) FROM marts.reconciliation)
