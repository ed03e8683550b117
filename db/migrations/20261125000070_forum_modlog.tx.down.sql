DROP TABLE forum_mod_log;
