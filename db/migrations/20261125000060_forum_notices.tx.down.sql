DROP TABLE forum_notice_marks;
