const fs = require("fs");
console.log(`main for ${process.env.INPUT_WHO}, state from pre: ${process.env.STATE_FROM_PRE}`);
fs.appendFileSync(process.env.GITHUB_OUTPUT, `said=hi ${process.env.INPUT_WHO}\n`);
fs.appendFileSync(process.env.GITHUB_STATE, `FROM_MAIN=main-${process.env.INPUT_WHO}\n`);
