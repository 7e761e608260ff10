const fs = require("fs");
console.log(`main says hi to ${process.env.INPUT_WHO}, state ${process.env.STATE_FROM_PRE}`);
fs.appendFileSync(process.env.GITHUB_OUTPUT, "said=hi\n");
fs.appendFileSync(process.env.GITHUB_STATE, "FROM_MAIN=main-state\n");
