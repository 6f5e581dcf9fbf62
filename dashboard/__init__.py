"""Dashboards (统计分析), assessment (考评) and satisfaction surveys (满意度问卷)."""
