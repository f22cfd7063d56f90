-- severity: error
-- title: Số lượng âm trong tệp đã nhận (đã nạp nguyên giá trị, đơn vị cần sửa và gửi lại)
-- A count below its column's minimum (etl/contracts.py), as the file wrote it; recorded by etl/convert.py.
SELECT v.unit_code, v.ref_date,
       'Tệp "' || f.file_name || '"' || coalesce(', trang "' || v.sheet || '"', '') || ', dòng ' || vn_int(v.source_row)
       || ', cột ' || v.column_ref || ': ' || vn_int(v.value)
       || CASE WHEN v.minimum = 0 THEN ' là số âm (số lượng không thể âm)'
               ELSE ' nhỏ hơn mức thấp nhất ' || vn_int(v.minimum) END AS detail
FROM raw.value_flags v
JOIN meta.files f USING (file_id)
