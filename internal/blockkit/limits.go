package blockkit

// Block Kit's limits. Slack refuses a whole message or view that breaks
// any one of them, so replies, posts and the App Home are built to stay
// inside them, and the fake Slack (internal/slackfake) refuses what breaks
// them, as Slack does. This is the one place they are written.
const (
	MaxBlocks          = 50    // blocks in a message
	MaxHomeBlocks      = 100   // blocks in an App Home view
	MaxText            = 40000 // characters in a message's text
	MaxSectionText     = 3000  // characters in a section's or a context element's text
	MaxFields          = 10    // fields in a section
	MaxFieldText       = 2000  // characters in one field
	MaxHeaderText      = 150   // characters in a header
	MaxContextElements = 10    // elements in a context block
	MaxActionElements  = 25    // elements in an actions block
	MaxButtonText      = 75    // characters on a button
	MaxActionValue     = 2000  // characters in a button's value
	MaxActionID        = 255   // characters in an action_id or a block_id
	MaxOptions         = 100   // options in a static menu
	MaxOptionText      = 75    // characters in an option's text
	MaxOptionValue     = 150   // characters in an option's value
)
